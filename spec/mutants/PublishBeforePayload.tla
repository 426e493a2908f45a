------------------------- MODULE PublishBeforePayload -------------------------
(* MUTANT.  RingProducer.commit() does not wait for the payload: the header  *)
(* (and then the producer position) may be written before the payload slots *)
(* of the claim.  Design question: must the commit (header + release store  *)
(* of the position) come strictly after the last payload write?              *)
(* Expected: property Refinement (a record is published whose payload is    *)
(* not yet the record's).                                                   *)
EXTENDS DataportRing

\* was: written = claimSize - 1
WriteRecordHeaderEarly ==
    /\ ppc = "claimed"
    /\ written <= claimSize - 1
    /\ buf' = [buf EXCEPT ![Idx(tail)] = Header(NextId, claimSize)]
    /\ tail' = Add(tail, claimSize)
    /\ unpub' = unpub + 1
    /\ ppc' = "idle" /\ claimSize' = 0 /\ written' = 0
    /\ UNCHANGED <<producerPosition, consumerPosition, cachedConsumerPosition,
                   consVars, ghostVars>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WritePadding
                 \/ WritePayload
                 \/ WriteRecordHeaderEarly
                 \/ PublishProducerPosition

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
