"""A tracker store that keeps only each conversation's recent turns, in memory.

Where a conversation is lives in CoVoice's own store; Rasa's tracker only has
to carry the latest turn to its one rule. Keeping the last events of each
conversation, and only the most recently active conversations, makes a turn
cost the same at turn 15 as at turn 2 (Rasa replays, featurises and sends the
action server the whole tracker every turn) and keeps memory bounded. A
restart loses nothing that matters.

Rasa loads this module itself: it imports Rasa and the standard library only.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker


class RecentTrackerStore(InMemoryTrackerStore):
    """In memory, the last ``max_events`` events of the last ``max_conversations`` senders."""

    def __init__(
        self,
        domain: Domain,
        event_broker: EventBroker | None = None,
        max_events: int = 40,
        max_conversations: int = 10_000,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.store: OrderedDict[str, str] = OrderedDict()
        self.max_events = int(max_events)
        self.max_conversations = int(max_conversations)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Keep the tracker's recent events; forget the least recently active sender."""
        await self.stream_events(tracker)
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = recent_events(dialogue["events"], self.max_events)
        self.store[tracker.sender_id] = json.dumps(dialogue)
        self.store.move_to_end(tracker.sender_id)
        while len(self.store) > self.max_conversations:
            self.store.popitem(last=False)


def recent_events(events: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` events, starting at a turn's edge (the bot listening)."""
    if len(events) <= limit:
        return events
    kept = events[-limit:]
    for index, event in enumerate(kept):
        if event.get("event") == "action" and event.get("name") == "action_listen":
            return kept[index:]
    return kept
