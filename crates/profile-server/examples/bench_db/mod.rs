//! What the server's benchmarks share: a fresh PostgreSQL database of their own.

use profile_server::store::PostgresStore;
use sqlx::Connection;

/// A database of its own beside the one `url` names.
pub async fn fresh_postgres(url: &str) -> PostgresStore {
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .expect("connecting to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("creating the bench database");
    let (base, _) = url.rsplit_once('/').expect("a URL naming a database");
    PostgresStore::open(&format!("{base}/{name}"))
        .await
        .expect("opening the bench database")
}
