"""Adapters: thin translations of the VFS for one host each, with no logic of their own."""
