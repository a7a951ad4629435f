"""Communication: how trustops tells people what is going on."""
