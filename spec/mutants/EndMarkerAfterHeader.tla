--------------------------- MODULE EndMarkerAfterHeader ---------------------------
(* MUTANT (layout version 3).  The producer writes a record's header first  *)
(* and the end marker after it (store order swapped), and may publish in    *)
(* between: "the tag written before the payload" of the next record's slot. *)
(* Design question: must the end marker be stored before the release store  *)
(* that lets the consumer reach it?                                         *)
(* Expected: property Refinement (the header that commits makes the chain *)
(* reach bytes nobody wrote for it: no abstract step; a consumer that read *)
(* on would be fooled, NeverFooled).                                       *)
EXTENDS DataportRing

\* the payload done: straight to the header (was: the end marker first)
MFinishPayload ==
    /\ ppc = "claimed"
    /\ written = claimSize - 1
    /\ ppc' = "commit"
    /\ UNCHANGED <<shared, tail, cachedConsumerPosition, claimSize, written, unpub, held,
                   consVars, ghostVars>>

\* the header step leaves the end marker to do, at the slot after the record
MWriteRecordHeader ==
    /\ ppc = "commit"
    /\ IF unpub = 0
       THEN /\ held' = [pos |-> tail, size |-> claimSize]
            /\ UNCHANGED buf
       ELSE /\ buf' = [buf EXCEPT ![Idx(tail)] = Header(NextId, claimSize)]
            /\ UNCHANGED held
    /\ tail' = ProducerSkip(Add(tail, claimSize))
    /\ unpub' = unpub + 1
    /\ ppc' = "lateend" /\ claimSize' = 0 /\ written' = 0     \* was: "idle"
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   consVars, ghostVars>>

LateEndMarker ==
    /\ ppc = "lateend"
    /\ buf' = [buf EXCEPT ![Idx(tail)] = EndMark]
    /\ ppc' = "idle"
    /\ UNCHANGED <<producerPosition, consumerPosition, tail, cachedConsumerPosition,
                   claimSize, written, unpub, held, consVars, ghostVars>>

\* publishing between the header and the late end marker
MPublish ==
    \/ Publish
    \/ /\ ppc = "lateend" /\ unpub > 0
       /\ buf' = [buf EXCEPT ![Idx(held.pos)] = Header(pubCount, held.size)]
       /\ pubCount' = (pubCount + unpub) % IDMOD
       /\ unpub' = 0 /\ held' = NoHeld
       /\ UNCHANGED <<producerPosition, consumerPosition, ppc, tail, cachedConsumerPosition,
                      claimSize, written, consVars, ackCount, pCrashes, cCrashes>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ MFinishPayload
                 \/ MWriteRecordHeader
                 \/ MPublish
                 \/ PublishProducerPosition
                 \/ ScanForEnd
                 \/ LateEndMarker

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
