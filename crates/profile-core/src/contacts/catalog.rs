//! The channel catalog this device checks contacts against: the one its server last sent,
//! or the built-in one (a local profile, or before the first pull).

use crate::error::CoreError;
use crate::mutation::local;
use profile_domain::channel::Catalog;
use sqlx::SqliteConnection;

/// The catalog in force: the stored one if it came from the server this device is linked
/// to now, else the built-in one.
pub(crate) async fn current(conn: &mut SqliteConnection) -> Result<Catalog, CoreError> {
    Ok(stored(conn)
        .await?
        .unwrap_or_else(|| Catalog::built_in().clone()))
}

/// The version a pull names: the stored catalog's, or 0 for "the built-in one".
pub(crate) async fn held_version(conn: &mut SqliteConnection) -> Result<i64, CoreError> {
    Ok(stored(conn).await?.map_or(0, |c| c.version))
}

async fn stored(conn: &mut SqliteConnection) -> Result<Option<Catalog>, CoreError> {
    let Some(server) = local::server_url(conn).await? else {
        return Ok(None);
    };
    let row: Option<String> =
        sqlx::query_scalar("SELECT catalog FROM channel_catalog WHERE id = 1 AND server_url = ?")
            .bind(&server)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|json| {
        serde_json::from_str(&json).map_err(|e| CoreError::Corrupt(format!("channel catalog: {e}")))
    })
    .transpose()
}

/// Keeps `catalog` as the one of `server_url`, replacing any other.
pub(crate) async fn keep(
    conn: &mut SqliteConnection,
    server_url: &str,
    catalog: &Catalog,
) -> Result<(), CoreError> {
    let json = serde_json::to_string(catalog)
        .map_err(|e| CoreError::Corrupt(format!("channel catalog: {e}")))?;
    sqlx::query(
        "INSERT INTO channel_catalog (id, server_url, version, catalog) VALUES (1, ?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET server_url = ?1, version = ?2, catalog = ?3",
    )
    .bind(server_url)
    .bind(catalog.version)
    .bind(json)
    .execute(conn)
    .await?;
    Ok(())
}
