"""VK's messaging rules: who may write to whom, de-duplication, delivery, buttons and events."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.policy import Outcome
from core.policy.rules import Via

from .attachments import MediaLookup, first_link, link_attachment, mentions, parse_attachments
from .errors import VkError, decoded_json, json_object, param_error
from .keyboard import find_button, parse_keyboard
from .records import (
    CHAT_PEER_BASE,
    PLATFORM_WEB,
    ButtonEvent,
    Chat,
    Community,
    Conversation,
    Message,
    MessageRequest,
    PendingText,
    User,
    is_chat_peer,
)
from .state import SandboxState
from .user_policy import judge

if TYPE_CHECKING:
    from .faults import FaultInjector

MAX_TEXT = 9000  # VK's messages.send limit (vkbottle's own answer() splits at 4,096)
MAX_PAYLOAD = 1000
EDIT_WINDOW_S = 24 * 3600
CALL_END_STATES = ("reached", "canceled_by_initiator", "canceled_by_receiver")  # calls_end_state

# (community, event number, type, object): the Callback API subscribes to every event.
EventListener = Callable[[Community, int, str, object], None]


@dataclass(slots=True)
class Content:
    """What one messages.send carries, parsed once and shared by every recipient."""

    text: str
    payload: str | None = None
    keyboard: dict[str, Any] | None = None
    keyboard_given: bool = False
    attachments: list[dict[str, Any]] | None = None
    mentions: tuple[int, ...] = ()
    date: int | None = None  # one timestamp for every recipient of the call
    action: dict[str, Any] | None = None  # a service message (messages_message_action)


def check_payload(payload: str | None) -> str | None:
    if payload is None or payload == "":
        return None
    if len(payload) > MAX_PAYLOAD:
        raise param_error(f"payload is too long, at most {MAX_PAYLOAD} characters")
    decoded_json(payload, "payload", param_error)
    return payload


class Messenger:
    def __init__(self, state: SandboxState, faults: FaultInjector | None = None) -> None:
        self.state = state
        self.listeners: list[EventListener] = []
        self.faults = faults  # flood control (error 9) injected per recipient

    # -- events ---------------------------------------------------------------------------------

    def publish(self, community: Community, event_type: str, obj: object) -> None:
        if event_type not in community.event_types:
            return
        number = community.events.append(event_type, obj)
        self.state.stats.events_published += 1
        for listener in self.listeners:
            listener(community, number, event_type, obj)

    # -- content --------------------------------------------------------------------------------

    def _media_lookup(self, author_id: int) -> MediaLookup:
        """Documents and photos uploaded here, as ``author_id`` may attach them."""
        uploads = self.state.uploads

        def lookup(kind: str, owner: int, media: int, key: str | None) -> dict[str, Any] | None:
            return uploads.attachment(kind, owner, media, key, author_id)

        return lookup

    def content(
        self,
        author_id: int,
        text: str,
        *,
        payload: str | None = None,
        keyboard: str | None = None,
        attachment: str | None = None,
        dont_parse_links: bool = False,
        disable_mentions: bool = False,
    ) -> Content:
        if len(text) > MAX_TEXT:
            raise VkError(914)
        date = self.state.unix_now()
        parsed_keyboard = parse_keyboard(keyboard, author_id) if keyboard else None
        attachments = parse_attachments(attachment, date, self._media_lookup(author_id))
        if not text and not attachments:
            raise param_error("message is empty or invalid")
        if not dont_parse_links and not attachments:
            link = first_link(text)
            if link is not None:
                attachments = [link_attachment(link)]
        return Content(
            text=text,
            payload=check_payload(payload),
            keyboard=parsed_keyboard,
            keyboard_given=bool(keyboard),
            attachments=attachments or None,
            mentions=() if disable_mentions else mentions(text),
            date=date,
        )

    # -- a community writes ---------------------------------------------------------------------

    def _community_target(self, community: Community, peer_id: int) -> Conversation:
        state = self.state
        if is_chat_peer(peer_id):
            chat = state.chats.get(peer_id)
            if chat is None or community.id not in chat.communities:
                raise VkError(917)
            return chat.conv
        if peer_id > 0:
            # VK: a community may write only to people who wrote to it or allowed its messages.
            if peer_id not in community.allowed:
                raise VkError(901)
            return state.dialog(community.owner_id, peer_id)
        if peer_id == 0:
            raise param_error("peer_id is undefined")
        raise VkError(901)

    def send_from_community(
        self, community: Community, peer_id: int, content: Content, random_id: int
    ) -> Message:
        (outcome,) = self.deliver(community, (peer_id,), content, random_id)
        if isinstance(outcome, VkError):
            raise outcome
        return outcome

    def deliver(
        self, community: Community, peers: Iterable[int], content: Content, random_id: int
    ) -> list[Message | VkError]:
        """One message from a community to each peer: the message, or why that peer failed.

        This is the broadcast hot path (100,000 recipients a second), so lookups are hoisted
        out of the loop and records are built inline rather than through helpers.
        """
        state = self.state
        stats = state.stats
        sender = community.owner_id
        allowed = community.allowed
        dialogs = state.dialogs
        registry = state.messages
        journal = state.journal
        dedupe = state.dedupe if random_id else None
        log = community.events if "message_reply" in community.event_types else None
        listeners = self.listeners
        touch = state.touch_user
        text, payload, keyboard = content.text, content.payload, content.keyboard
        attachments, mentions, date = content.attachments, content.mentions, content.date
        if date is None:
            date = state.unix_now()
        sets_keyboard = content.keyboard_given and (keyboard is None or not keyboard["inline"])
        flooded = self.faults.flood_check() if self.faults is not None else None
        outcomes: list[Message | VkError] = []
        for peer_id in peers:
            if dedupe is not None:
                hit = dedupe.get((sender, peer_id, random_id))
                if hit is not None:
                    stats.duplicates_suppressed += 1
                    outcomes.append(hit[0])
                    continue
            # After the random_id memory: a message already delivered is answered as before,
            # flood control refuses only a new one.
            if flooded is not None and flooded(peer_id):
                outcomes.append(VkError(9))
                continue
            if 0 < peer_id <= CHAT_PEER_BASE and peer_id in allowed:
                # The common case: a person who allowed the community (sender < 0 < peer).
                conv = dialogs.get((sender, peer_id)) or state.dialog(sender, peer_id)
            else:
                try:
                    conv = self._community_target(community, peer_id)
                except VkError as error:
                    outcomes.append(error)
                    continue
            message_id = state.next_message_id
            state.next_message_id = message_id + 1
            thread = conv.messages
            message = Message(
                message_id,
                len(thread) + 1,
                date,
                sender,
                conv,
                text,
                payload,
                keyboard,
                attachments,
                random_id,
                mentions,
            )
            thread.append(message)
            registry[message_id] = message
            if journal is not None:
                journal.message(message)
            if dedupe is not None:
                dedupe[(sender, peer_id, random_id)] = (message, date)
            if sets_keyboard:
                conv.keyboard = keyboard
            stats.messages_delivered += 1
            if log is not None:
                number = log.append("message_reply", message)
                stats.events_published += 1
                for listener in listeners:
                    listener(community, number, "message_reply", message)
            if conv.chat is None:
                touch(peer_id)
            else:
                state.touch_conversation(conv)
            outcomes.append(message)
        return outcomes

    def edit_by_community(
        self,
        community: Community,
        peer_id: int,
        message: Message,
        text: str | None,
        keyboard: str | None,
        attachment: str | None,
    ) -> None:
        if message.from_id != community.owner_id:
            raise VkError(920)
        if self.state.unix_now() - message.date > EDIT_WINDOW_S:
            raise VkError(909)
        if text is not None:
            if len(text) > MAX_TEXT:
                raise VkError(914)
            message.text = text
            message.mentions = mentions(text)
        if keyboard is not None:
            message.keyboard = parse_keyboard(keyboard, community.owner_id) if keyboard else None
        if attachment is not None:
            lookup = self._media_lookup(community.owner_id)
            message.attachments = parse_attachments(attachment, message.date, lookup) or None
        message.update_time = self.state.unix_now()
        message.version += 1
        if self.state.journal is not None:
            self.state.journal.message(message)
        self.publish(community, "message_edit", message)
        self.state.touch_conversation(message.conv)

    # -- a person writes --------------------------------------------------------------------------

    def send_from_user(
        self,
        user: User,
        peer_id: int,
        text: str,
        *,
        payload: str | None = None,
        via: Via = "id",
        from_keyboard: bool = False,
        attachment: str | None = None,
    ) -> Message:
        content = self.content(user.id, text, payload=payload, attachment=attachment)
        return self._send_user_content(user, peer_id, content, via, from_keyboard)

    def _send_user_content(
        self, user: User, peer_id: int, content: Content, via: Via, from_keyboard: bool
    ) -> Message:
        """One message a person sends (text or a call): stored, shown, published to bots."""
        state = self.state
        if is_chat_peer(peer_id):
            chat = state.chats.get(peer_id)
            if chat is None or user.id not in chat.members:
                raise VkError(917)
            return self._post_in_chat(user.id, chat, content)
        if peer_id < 0:
            community = state.communities.get(-peer_id)
            if community is None:
                raise param_error("peer_id is invalid")
            conv = state.dialog(user.id, peer_id)
            if from_keyboard and conv.keyboard is not None and conv.keyboard["one_time"]:
                conv.keyboard = None
            if user.id not in community.allowed:
                # Writing to a community lets it answer (VK records no message_allow for this).
                state.set_allowed(community, user.id, True)
            message = self._deliver_user(user.id, conv, content)
            self.publish(community, "message_new", message)
            return message
        recipient = state.users.get(peer_id)
        if recipient is None or peer_id == 0:
            raise param_error("peer_id is invalid")
        self._check_person_to_person(user, recipient, content, via)
        return self._deliver_user(user.id, state.dialog(user.id, recipient.id), content)

    def _post_in_chat(self, from_id: int, chat: Chat, content: Content) -> Message:
        """A message in a chat: every community in it gets message_new (not its own, though)."""
        message = self._deliver_user(from_id, chat.conv, content)
        for group_id in sorted(chat.communities):
            if -group_id != from_id:
                self.publish(self.state.communities[group_id], "message_new", message)
        return message

    def _deliver_user(self, from_id: int, conv: Conversation, content: Content) -> Message:
        message = self.state.add_message(
            conv,
            from_id,
            content.text,
            payload=content.payload,
            attachments=content.attachments,
            mentions=content.mentions,
            action=content.action,
        )
        person = self.state.users.get(from_id)
        if person is not None:  # users.get's last_seen: the person was here just now
            person.last_seen = (message.date, PLATFORM_WEB)
        self.state.stats.messages_delivered += 1
        self.state.touch_conversation(conv)
        return message

    # -- chats: service messages ------------------------------------------------------------------

    def create_chat(
        self,
        title: str,
        admin_id: int,
        user_ids: list[int],
        group_ids: list[int],
        peer_id: int | None = None,
        *,
        admin_group_ids: Iterable[int] = (),
    ) -> Chat:
        """A chat as a person creates it in VK: its first message is the chat_create service
        message from the admin, which every community in the chat receives as message_new.
        Communities join without admin rights unless named in ``admin_group_ids``."""
        state = self.state
        chat = state.create_chat(title, admin_id, peer_id)
        state.add_chat_members(chat, user_ids, group_ids, admin_group_ids=admin_group_ids)
        self._service_message(chat, {"type": "chat_create", "text": title})
        return chat

    def add_chat_members(
        self,
        chat: Chat,
        user_ids: list[int],
        group_ids: list[int],
        *,
        admin_group_ids: Iterable[int] = (),
    ) -> list[Message]:
        """New members one by one, each announced by a chat_invite_user message from the admin
        (member_id: the user, or minus the group id). A community sees the invitations from its
        own on, as in VK; members already in the chat are not announced again. Communities in
        ``admin_group_ids`` are made admins of the chat (joining first when not in it)."""
        state = self.state
        admins = list(admin_group_ids)
        group_ids = [*group_ids, *(g for g in admins if g not in group_ids)]
        joining = [(user_id, 0) for user_id in user_ids] + [(0, gid) for gid in group_ids]
        messages: list[Message] = []
        for user_id, group_id in joining:
            added = state.add_chat_members(
                chat, [user_id] if user_id else [], [group_id] if group_id else []
            )
            for owner_id in added:
                action = {"type": "chat_invite_user", "member_id": owner_id}
                messages.append(self._service_message(chat, action))
        for group_id in admins:
            state.set_chat_admin(chat, group_id, True)
        return messages

    def _service_message(self, chat: Chat, action: dict[str, Any]) -> Message:
        content = Content(text="", action=action, date=self.state.unix_now())
        return self._post_in_chat(chat.admin_id, chat, content)

    # -- calls ------------------------------------------------------------------------------------

    def call(
        self,
        user: User,
        peer_id: int,
        *,
        duration: int = 0,
        video: bool = False,
        end_state: str = "reached",
    ) -> Message:
        """A finished call, as VK records it: a message with no text and one "call" attachment
        (calls_call), in the chat or dialog it was made in, delivered like any message."""
        if end_state not in CALL_END_STATES:
            raise param_error(f"state must be one of {', '.join(CALL_END_STATES)}")
        if duration < 0:
            raise param_error("duration must not be negative")
        if peer_id <= 0:
            # calls_call.receiver_id is a person or a chat; nobody calls a community.
            raise param_error("peer_id must be a person or a chat")
        now = self.state.unix_now()
        call = {
            "initiator_id": user.id,
            "receiver_id": peer_id,
            "state": end_state,
            "time": now,
            "duration": duration,
            "video": video,
        }
        content = Content(text="", attachments=[{"type": "call", "call": call}], date=now)
        return self._send_user_content(user, peer_id, content, "id", False)

    def _open_between(self, a: int, b: int) -> bool:
        conv = self.state.find_dialog(a, b)
        if conv is not None and conv.messages:
            return True
        return any(
            (req := self.state.requests.get(pair)) is not None and req.status == "accepted"
            for pair in ((a, b), (b, a))
        )

    def _check_person_to_person(
        self, sender: User, recipient: User, content: Content, via: Via
    ) -> None:
        """spec/communication-rules.md for the first message; an open dialog stays open."""
        if sender.id == recipient.id or self._open_between(sender.id, recipient.id):
            return
        state = self.state
        pending = PendingText(content.text, content.payload, state.unix_now())
        # Only text waits in a communication request; a call to a closed dialog just fails.
        queueable = bool(content.text)
        request = state.requests.get((sender.id, recipient.id))
        if request is not None:
            if request.status == "pending":
                if queueable:
                    request.messages.append(pending)
                    state.save_request(request)
                raise VkError(988)
            raise VkError(901)
        decision = judge(sender, recipient, via, state.clock.now().date())
        if decision.outcome is Outcome.ALLOW:
            return
        if decision.outcome is Outcome.REQUEST:
            if not queueable:
                raise VkError(901, "the dialog is not open yet: write first")
            state.save_request(
                MessageRequest(sender.id, recipient.id, pending.date, messages=[pending])
            )
            state.touch_user(recipient.id)
            state.touch_user(sender.id)
            raise VkError(987)
        if decision.outcome is Outcome.CONFIRM_ROLE:
            raise VkError(901, f"confirm your role first ({decision.rule.id})")
        raise VkError(901)

    def answer_request(self, recipient: User, sender_id: int, accept: bool) -> MessageRequest:
        state = self.state
        request = state.requests.get((sender_id, recipient.id))
        if request is None or request.status != "pending":
            raise KeyError(sender_id)
        request.status = "accepted" if accept else "declined"
        if accept:
            conv = state.dialog(sender_id, recipient.id)
            for pending in request.messages:
                state.add_message(
                    conv, sender_id, pending.text, payload=pending.payload, date=pending.date
                )
                state.stats.messages_delivered += 1
            request.messages = []
        state.save_request(request)
        state.touch_user(sender_id)
        state.touch_user(recipient.id)
        return request

    # -- allow / deny ----------------------------------------------------------------------------

    def allow(self, user: User, community: Community) -> None:
        self.state.set_allowed(community, user.id, True)
        self.publish(community, "message_allow", {"user_id": user.id, "key": ""})

    def deny(self, user: User, community: Community) -> None:
        self.state.set_allowed(community, user.id, False)
        self.publish(community, "message_deny", {"user_id": user.id})

    # -- callback buttons ------------------------------------------------------------------------

    def _keyboard_message(
        self, conv: Conversation, cmid: int | None, payload: Any, label: str | None
    ) -> tuple[Message, dict[str, Any]]:
        if cmid is not None:
            candidates = [m for m in (conv.by_cmid(cmid),) if m is not None]
        else:
            candidates = list(reversed(conv.messages[-200:]))
        for message in candidates:
            button = find_button(message.keyboard, "callback", payload, label)
            if button is not None:
                return message, button
        raise LookupError("no callback button with this payload or label")

    def press_callback(
        self,
        user: User,
        peer_id: int,
        *,
        cmid: int | None = None,
        payload: Any = None,
        label: str | None = None,
    ) -> ButtonEvent:
        state = self.state
        conv = state.conversation_for(user.id, peer_id)
        if conv is None:
            raise LookupError("no such conversation")
        message, button = self._keyboard_message(conv, cmid, payload, label)
        community = state.communities.get(-message.from_id)
        if community is None:
            raise LookupError("the button does not belong to a community")
        user.last_seen = (state.unix_now(), PLATFORM_WEB)
        # Pressing a button of a one-time keyboard hides it, as VK clients do.
        keyboard = conv.keyboard
        if keyboard is not None and message.keyboard is keyboard and keyboard["one_time"]:
            conv.keyboard = None
        raw = button.get("payload")
        # VK always sends a payload with message_event; a button without one sends {}.
        decoded = json.loads(raw) if raw else {}
        event = ButtonEvent(
            event_id=secrets.token_hex(6),
            group_id=community.id,
            user_id=user.id,
            peer_id=conv.peer_for(community.owner_id),
            cmid=message.cmid,
            payload=decoded,
            created=state.clock.now(),
        )
        state.button_events[event.event_id] = event
        obj: dict[str, Any] = {
            "user_id": user.id,
            "peer_id": event.peer_id,
            "event_id": event.event_id,
            "payload": decoded,
            "conversation_message_id": message.cmid,
        }
        self.publish(community, "message_event", obj)
        return event

    def answer_event(
        self,
        community: Community,
        event_id: str,
        user_id: int,
        peer_id: int,
        event_data: str | None,
    ) -> None:
        state = self.state
        event = state.button_events.get(event_id)
        if event is None or event.group_id != community.id:
            raise param_error("event_id is invalid")
        if event.user_id != user_id or event.peer_id != peer_id:
            raise param_error("user_id or peer_id does not match the event")
        age = (state.clock.now() - event.created).total_seconds()
        if event.answered or age > state.config.event_answer_ttl_s:
            raise param_error("event_id is expired or already answered")
        answer = _event_data(event_data) if event_data else None
        event.answered = True
        event.answer = answer
        state.touch_user(user_id)


def _event_data(raw: str) -> dict[str, Any]:
    data = json_object(raw, "event_data", param_error)
    kind = data.get("type")
    if kind == "show_snackbar":
        text = data.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 90:
            raise param_error("event_data.text must be 1 to 90 characters")
    elif kind == "open_link":
        if not str(data.get("link", "")).startswith(("http://", "https://")):
            raise param_error("event_data.link must be an http(s) URL")
    elif kind == "open_app":
        if not isinstance(data.get("app_id"), int):
            raise param_error("event_data.app_id must be an integer")
    else:
        raise param_error("event_data.type must be show_snackbar, open_link or open_app")
    return data
