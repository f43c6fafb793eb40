package dev.panicwatch.streams.advice;

/** Which rule of docs/design.md#advice-rules decided the advice. */
public enum Verdict {
    /** vti-governed timeout on an overloaded host: raise vti (and disable the TLB timeout for TLB flushes). */
    RAISE_VTI,
    /** vti-governed timeout on an overloaded host, but the guest already runs the cap: only the host can help. */
    AT_VTI_CAP,
    /** A timeout vti does not scale on this kernel, on an overloaded host: only the host can help. */
    NOT_VTI_GOVERNED,
    /** A timeout panic while the host was not overloaded: starvation does not explain it. */
    NOT_OVERLOADED,
    /** A timeout panic with no load samples of the VM in its window. */
    NO_LOAD_DATA,
    /** Not a timeout panic: counted, no remediation. */
    NO_REMEDIATION
}
