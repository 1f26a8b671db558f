"""Shopify Admin GraphQL connector."""
