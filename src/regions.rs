//! AWS region catalogue (stub)
