"""Enrichers: each finds one kind of mention (places, entities, dates, numbers) in an article."""
