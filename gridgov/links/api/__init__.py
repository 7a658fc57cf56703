"""The links app's REST API, one router module per part (linking, plans, visits, cards)."""
