"""Emotion service: emotion, crisis-risk and persona prompt composition for a conversation turn."""
