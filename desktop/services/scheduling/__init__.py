"""Whom to call and when: visit triggers, the car dealer's rhythm, sampling plans, the task queue and appointments."""
