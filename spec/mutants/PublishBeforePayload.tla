------------------------- MODULE PublishBeforePayload -------------------------
(* MUTANT.  RingProducer.commit() does not wait for the payload: the end     *)
(* marker and the header (the commit) may be written before the payload     *)
(* slots of the claim.  Design question: must the commit (the release store *)
(* of the header) come strictly after the last payload write?               *)
(* Expected: property Refinement (a record becomes visible whose payload is *)
(* not yet the record's).                                                   *)
EXTENDS DataportRing

\* was: written = claimSize - 1
FinishPayloadEarly ==
    /\ ppc = "claimed"
    /\ written <= claimSize - 1
    /\ ppc' = "end"
    /\ UNCHANGED <<shared, tail, cachedConsumerPosition, claimSize, written, unpub, held,
                   consVars, ghostVars>>

MProducerWork == \/ \E s \in SIZES : TryClaim(s)
                 \/ RefreshConsumerPosition
                 \/ WriteEndMarker
                 \/ WritePadding
                 \/ WritePayload
                 \/ FinishPayloadEarly
                 \/ WriteRecordHeader
                 \/ Publish
                 \/ PublishProducerPosition
                 \/ ScanForEnd

MNext == MProducerWork \/ ConsumerWork \/ Environment
MSafetySpec == Init /\ [][MNext]_vars
===============================================================================
