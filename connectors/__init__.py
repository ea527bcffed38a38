"""One module per public source. Each splits ``fetch`` (network) from ``parse`` (pure)."""
