"""The setup protocol (SPAKE2 on the activation password), shared by service and app."""
