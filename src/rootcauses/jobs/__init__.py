"""Job queues: edges that run domain work in the background for the web (see DESIGN.md)."""
