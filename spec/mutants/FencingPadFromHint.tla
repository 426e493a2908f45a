------------------------------ MODULE FencingPadFromHint ------------------------------
(* MUTANT (layout version 3).  The taker does not look for the frontier: it  *)
(* starts at the hint P, as in layout version 2 (where the hint was the      *)
(* commit), and claims from there (a padding over the hole, or a record      *)
(* once the hole is gone), its CAS from whatever it read at the slot (as     *)
(* version 2 did).                                                           *)
(* Design question: with a lazy hint, must a taker find the frontier by      *)
(* scanning the committed headers after P?                                   *)
(* Expected: yes: a record the old holder committed after P is still live,   *)
(* and the taker's claim there overwrites it (invariant LiveRecordsIntact).  *)
(* (With the ReadSlot that wants an end marker instead, such a taker loses   *)
(* its role at that record: safe, but the ring has no producer left.)        *)
EXTENDS RingFencing

\* was: FencePosition (scan from the later of P and the consumer position)
MFencePosition == FencePositionWith(LAMBDA c : ep[c], LAMBDA p, q : p, "idle")

MProducing(c) == \/ TryClaim(c)
                 \/ ScanForEnd(c)
                 \/ ReadSlotWith(c, LAMBDA v : TRUE)   \* was: ReadSlot(c)
                 \/ ReadEndSlot(c)
                 \/ CheckEpoch(c)
                 \/ Reserve(c)
                 \/ RefreshConsumerPosition(c)
                 \/ WritePayload(c)
                 \/ WriteEndMarker(c)
                 \/ WriteRecordHeader(c)
                 \/ WritePadding(c)
                 \/ PublishProducerPosition(c)

MNext == \/ \E c \in Claimants : Roles(c) \/ MProducing(c)
         \/ FenceReservation \/ RecordHole \/ MFencePosition \/ Consuming
MSpec == Init /\ [][MNext]_vars
===============================================================================
