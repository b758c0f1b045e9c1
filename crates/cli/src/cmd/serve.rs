//! `huaxiang serve`: the web API over the workspace.

use std::path::Path;

use anyhow::Context;
use huaxiang_server::AppState;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on / 监听地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let users = huaxiang_server::auth::users(&ws)?;
    let listener = tokio::net::TcpListener::bind(&a.bind)
        .await
        .with_context(|| format!("cannot listen on {}", a.bind))?;
    let addr = listener.local_addr()?;
    println!("画像服务已启动 / serving http://{addr}/api (OpenAPI: http://{addr}/api/openapi.json)");
    if users.is_empty() {
        println!("  还没有用户 / no users yet: huaxiang user add NAME --role admin");
    }
    huaxiang_server::serve(listener, AppState::new(ws))
        .await
        .context("the server stopped")?;
    Ok(())
}
