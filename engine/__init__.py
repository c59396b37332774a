"""Essaim engine: data model, services, scheduling, jobs and the command line.

The engine imports `tasks` and `quality` and never a chat platform library: bots call its
services with plain values and get plain dataclasses back.
"""
