"""The receive peel: one sans-IO path from an encoded WakuMessage to a typed trace (spec §4.2).

Modules::

    keyring   TopicKey, KeyRing — which keys may open a message on a content topic (built once per account)
    layers    the trace: WakuLayer, PayloadV1Layer, SegmentLayer, ProtocolLayer, MvdsLayer, AppLayer,
              ChatLayer, MembershipLayer, AcceptLayer, OtherLayer, Failed
    peel      peel(data, ring, …) and its steps; the two stateful steps are ports passed in:
              RatchetPort (prepare now, apply later) and SegmentPort

Consumers (app): ``messaging.incoming`` applies a trace in one transaction (``listen``,
``mailserver fetch``); ``inspect`` renders it without committing (``envelope inspect``).
"""
