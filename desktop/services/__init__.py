"""Business logic: no Qt here. Views call these; these use the models."""
