//! The error type of huaxiang-tags. Every variant names what it is about (the
//! tag, the column, the file), so the command line can show it as it is.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("没有标签 / no tag `{0}` (see `huaxiang tag list`)")]
    UnknownTag(String),
    #[error("标签已存在 / tag `{0}` already exists; change it with `huaxiang tag edit --id {0}`")]
    TagExists(String),
    #[error("标签 id 无效 / invalid tag id `{id}`: {reason}")]
    InvalidId { id: String, reason: String },
    #[error("标签 / tag `{tag}`: {message}")]
    Definition { tag: String, message: String },
    #[error("标签 / tag `{tag}`: 表达式无法解析 / the expression does not parse: {message}")]
    Parse { tag: String, message: String },
    #[error(
        "标签 / tag `{tag}`: 未知列 / unknown column `{column}` — not a feature, attribute or tag{hint} \
         (list them with `huaxiang sql \"DESCRIBE features\"`)"
    )]
    UnknownColumn { tag: String, column: String, hint: String },
    #[error("标签 / tag `{tag}`: 类型错误 / type error: {message}")]
    Type { tag: String, message: String },
    #[error("标签循环引用 / tags read each other in a cycle: {cycle}")]
    Cycle { cycle: String },
    #[error("还没有特征表 / there is no `features` table yet; run `huaxiang build` first")]
    NoFeatures,
    #[error("还没有客户表 / there is no `persons` table yet; run `huaxiang build` first")]
    NoPersons,
    #[error("没有此客户 / no person `{0}` in the `persons` table")]
    UnknownPerson(String),
    #[error("导入 / import {file}: {message}")]
    Import { file: String, message: String },
    #[error("计算标签失败 / evaluating the tags failed: {message}")]
    Evaluate { message: String },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Store(e.into())
    }
}
