//! The error type of huaxiang-profile.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("no person matches `{0}` (tried person id, customer record id, phone and e-mail) / 未找到客户")]
    NotFound(String),
    #[error("`{query}` matches {} persons: {} — give a person id / 匹配到多个客户，请指定客户编号", persons.len(), persons.join(", "))]
    Ambiguous { query: String, persons: Vec<String> },
    #[error("no identity yet: run `huaxiang build` first / 请先运行 huaxiang build")]
    NotBuilt,
}
