"""Pure functions over tidy frames, and the policy goals they serve."""
