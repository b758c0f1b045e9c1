//! `huaxiang user add`: accounts of the web API.

use std::path::Path;

use anyhow::Context;
use huaxiang_server::Role;
use huaxiang_server::auth;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Add a user; prints a generated password once unless --password-env is given / 添加用户
    Add {
        /// User name / 用户名
        name: String,
        /// Role: viewer, marketer, analyst or admin / 角色
        #[arg(long)]
        role: String,
        /// Read the password from this environment variable / 从环境变量读取密码
        #[arg(long)]
        password_env: Option<String>,
    },
    /// List users and roles / 用户列表
    List,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    match a.command {
        Sub::Add {
            name,
            role,
            password_env,
        } => {
            let role = Role::parse(&role)
                .with_context(|| format!("未知角色 / unknown role `{role}` (viewer, marketer, analyst, admin)"))?;
            let (password, generated) = match password_env {
                Some(var) => (
                    std::env::var(&var).with_context(|| format!("environment variable {var} is not set"))?,
                    false,
                ),
                None => (auth::generate_password(), true),
            };
            auth::add_user(&ws, &name, role, &password)?;
            println!("已添加用户 / added user `{name}` ({role})");
            if generated {
                println!("密码（只显示一次）/ password (shown once): {password}");
            }
        }
        Sub::List => {
            for (name, role) in auth::users(&ws)? {
                println!("{name}\t{role}");
            }
        }
    }
    Ok(())
}
