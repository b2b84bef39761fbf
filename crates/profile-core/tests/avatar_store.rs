//! `avatar.set` / `avatar.remove` through the store, with a picture made by the real pipeline.

use profile_core::avatar::{AvatarPipeline, CropSquare, EncodedImage};
use profile_core::{
    CoreError, Env, ErrorCode, FirstRun, Language, ManualClock, Mutation, ProfileStore, Randomness,
};
use std::sync::Arc;
use tempfile::TempDir;

async fn store(dir: &TempDir) -> ProfileStore {
    let env = Env {
        clock: Arc::new(ManualClock::at(1_780_000_000_000)),
        random: Randomness::seeded(3),
    };
    let store = ProfileStore::open(&dir.path().join("p.sqlite3"), env)
        .await
        .unwrap();
    store
        .ensure_profile(FirstRun {
            name: "Anna".into(),
            language: Language::En,
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    store
}

fn avatar(dir: &TempDir) -> EncodedImage {
    let path = dir.path().join("photo.png");
    image::RgbImage::from_fn(900, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&path)
    .unwrap();
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    pipeline
        .crop(
            &source,
            CropSquare {
                x: 150,
                y: 0,
                size: 600,
            },
        )
        .unwrap()
}

#[tokio::test]
async fn an_avatar_is_stored_queued_and_removed() {
    let dir = TempDir::new().unwrap();
    let store = store(&dir).await;
    let picture = avatar(&dir);
    assert_eq!((picture.width, picture.height), (512, 512));

    let profile = store.set_avatar(picture.clone()).await.unwrap();
    let url = profile.avatar.expect("avatar set");
    assert!(
        url.starts_with(&format!("data:{};base64,", picture.mime)),
        "{}",
        &url[..40]
    );

    let pending = store.pending().await.unwrap();
    let Mutation::AvatarSet(set) = &pending[1].mutation else {
        panic!("{:?}", pending[1].mutation)
    };
    assert_eq!(
        set.image, picture.bytes,
        "the outbox round-trips the bytes (base64 in JSON)"
    );

    let profile = store.remove_avatar().await.unwrap();
    assert_eq!(profile.avatar, None);
    assert_eq!(
        store.pending().await.unwrap()[2].mutation.name(),
        "avatar.remove"
    );
}

#[tokio::test]
async fn a_picture_that_is_not_a_512_avatar_is_refused_and_the_old_one_stays() {
    let dir = TempDir::new().unwrap();
    let store = store(&dir).await;
    let before = store.set_avatar(avatar(&dir)).await.unwrap();

    let mut wrong = avatar(&dir);
    wrong.bytes.truncate(40); // a cut-off file
    let err = store.set_avatar(wrong).await.unwrap_err();
    assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");
    assert_eq!(err.code(), ErrorCode::AvatarCorrupt);

    let gif = EncodedImage {
        bytes: b"GIF89a".to_vec(),
        mime: "image/gif",
        width: 512,
        height: 512,
    };
    assert_eq!(
        store.set_avatar(gif).await.unwrap_err().code(),
        ErrorCode::AvatarUnsupportedFormat
    );

    assert_eq!(
        store.profile().await.unwrap().unwrap().avatar,
        before.avatar
    );
    assert_eq!(
        store.pending().await.unwrap().len(),
        2,
        "nothing refused was queued"
    );
}
