"""What the chat app shows, built from records: pure functions from the store's and the engine's
records to view data (app.py renders them). Imports point down: ui → retrieval → indexer."""
