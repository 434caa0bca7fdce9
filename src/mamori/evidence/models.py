"""The evidence locker (証拠保管庫): files and preservation records of incident cases, with chain of custody."""
