"""The component catalog: the product features trustops watches, and how customers name them."""
