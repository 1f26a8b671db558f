"""Fulfilment: Status → FULFILLED plus a tracking number becomes a platform update, an e-mail and stock moves."""
