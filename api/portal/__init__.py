"""The public contract portal (/contracts): contracts in force, readable without signing in, on a phone, without script."""
