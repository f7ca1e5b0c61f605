namespace EcoMonitor.Audit.Notes;

/// <summary>Why a note was refused.</summary>
public enum NoteFailure
{
    /// <summary>Not a signed note: bad text, separator, signature line or encoding.</summary>
    Malformed,

    /// <summary>Well formed, but no signature by any of the given keys.</summary>
    UnknownKey,

    /// <summary>A signature by a given key does not verify: the note was altered or forged.</summary>
    InvalidSignature,
}

/// <summary>A note refused by <see cref="SignedNote.Open(string, IEnumerable{NoteVerifier})"/>; <see cref="Failure"/> says which way.</summary>
public sealed class NoteException : Exception
{
    public NoteException(NoteFailure failure, string message)
        : base(message) => Failure = failure;

    public NoteException()
        : this(NoteFailure.Malformed, "malformed note")
    {
    }

    public NoteException(string message)
        : this(NoteFailure.Malformed, message)
    {
    }

    public NoteException(string message, Exception innerException)
        : base(message, innerException) => Failure = NoteFailure.Malformed;

    public NoteFailure Failure { get; }
}
