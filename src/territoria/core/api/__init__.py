"""What every app's REST API shares: errors in French JSON, a bounded JSON parser, API tokens."""
