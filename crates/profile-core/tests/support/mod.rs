//! Helpers shared by the avatar test files.
#![allow(dead_code)] // each test file uses a different part

pub mod hostile;
