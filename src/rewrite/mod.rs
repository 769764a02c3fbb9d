//! (stage stub; filled by its issue)
