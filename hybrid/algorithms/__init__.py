"""Hybrid quantum-classical algorithms (QAOA, VQE, decomposition), each also a backend."""
