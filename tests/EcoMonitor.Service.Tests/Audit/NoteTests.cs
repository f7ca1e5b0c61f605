using System.Buffers.Binary;
using System.Text;
using EcoMonitor.Audit.Notes;
using NSec.Cryptography;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>Keys and signed notes against the x/mod and C2SP vectors (<see cref="NoteVectors"/>), and the refusals.</summary>
public sealed class NoteTests
{
    private static readonly NoteVerifier Peter = NoteVerifier.Parse(NoteVectors.PeterVerifierKey);
    private static readonly NoteVerifier Enoch = NoteVerifier.Parse(NoteVectors.EnochVerifierKey);

    [Fact]
    public void The_published_keys_parse_and_agree()
    {
        using var signer = NoteSigner.Parse(NoteVectors.PeterSignerKey);
        Assert.Equal("PeterNeumann", signer.Name);
        Assert.Equal(0xc74f20a3u, signer.KeyHash);
        Assert.Equal(NoteVectors.PeterVerifierKey, signer.VerifierKey);
        Assert.Equal(NoteVectors.PeterSignerKey, signer.SignerKey());
        Assert.Equal(("PeterNeumann", 0xc74f20a3u), (Peter.Name, Peter.KeyHash));
        Assert.Equal(NoteVectors.PeterVerifierKey, Peter.VerifierKey);
    }

    [Fact]
    public void Every_cut_and_every_changed_byte_of_a_published_key_is_refused()
    {
        foreach (var key in new[] { NoteVectors.PeterVerifierKey, NoteVectors.PeterSignerKey })
        {
            Func<string, object> parse = key == NoteVectors.PeterSignerKey ? NoteSigner.Parse : NoteVerifier.Parse;
            for (var i = 0; i <= key.Length; i++)
            {
                for (var j = i + 1; j <= key.Length; j++)
                {
                    if (i != 0 || j != key.Length)
                    {
                        Assert.Throws<FormatException>(() => parse(key[i..j]));
                    }
                }
            }

            for (var i = 0; i < key.Length; i++)
            {
                var changed = key[..i] + (char)(key[i] + 1) + key[(i + 1)..];
                Assert.Throws<FormatException>(() => parse(changed));
            }
        }

        Assert.Throws<FormatException>(() => NoteVerifier.Parse(NoteVectors.WrongLengthKey));
        Assert.Throws<FormatException>(() => NoteVerifier.Parse(NoteVectors.UnknownAlgorithmKey));
    }

    [Fact]
    public void Signing_the_published_text_gives_the_published_note()
    {
        using var signer = NoteSigner.Parse(NoteVectors.PeterSignerKey);
        Assert.Equal(NoteVectors.PeterNote, SignedNote.Sign(NoteVectors.Text, signer));
    }

    [Fact]
    public void The_published_notes_open()
    {
        var note = SignedNote.Open(NoteVectors.PeterNote + NoteVectors.EnochLine, [Peter]);
        Assert.Equal(NoteVectors.Text, note.Text);
        Assert.Equal([new NoteSignature("PeterNeumann", 0xc74f20a3, NoteVectors.PeterSignature)], note.Verified);
        Assert.Equal([new NoteSignature("EnochRoot", 0xaf0cfe78, NoteVectors.EnochSignature)], note.Unverified);

        var both = SignedNote.Open(NoteVectors.PeterNote + NoteVectors.EnochLine, [Peter, Enoch]);
        Assert.Equal(["PeterNeumann", "EnochRoot"], both.Verified.Select(s => s.Name));
        Assert.Empty(both.Unverified);

        var c2sp = SignedNote.Open(NoteVectors.C2spNote, [NoteVerifier.Parse(NoteVectors.C2spVerifierKey)]);
        Assert.Equal("This is an example message.\n", c2sp.Text);
    }

    [Fact]
    public void A_generated_key_signs_what_it_verifies()
    {
        var keys = NoteKeys.Generate("eco.example/audit");
        using var signer = NoteSigner.Parse(keys.SignerKey);
        var verifier = NoteVerifier.Parse(keys.VerifierKey);
        Assert.Equal(keys.VerifierKey, signer.VerifierKey);
        Assert.Matches(@"^PRIVATE\+KEY\+eco\.example/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$", keys.SignerKey);
        Assert.Matches(@"^eco\.example/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$", keys.VerifierKey);

        var text = "a reading\n\nwith an empty line\n";
        var note = SignedNote.Open(SignedNote.Sign(text, signer), [verifier]);
        Assert.Equal(text, note.Text);
        Assert.Single(note.Verified);
    }

    [Fact]
    public void A_note_is_checked_independently_of_the_signing_code()
    {
        var keys = NoteKeys.Generate("eco.example/log");
        using var signer = NoteSigner.Parse(keys.SignerKey);
        var note = SignedNote.Sign("origin\n42\n", signer);

        // The note by hand: text, blank line, "— name base64(key ID || signature)".
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        var text = note[..(split + 1)];
        var line = note[(split + 2)..].TrimEnd('\n');
        Assert.StartsWith("\u2014 eco.example/log ", line, StringComparison.Ordinal);
        var raw = Convert.FromBase64String(line["\u2014 eco.example/log ".Length..]);
        Assert.Equal(68, raw.Length);

        // The key by hand: name+hash+base64(0x01 || public key); hash = SHA-256(name || \n || 0x01 || key)[:4].
        var parts = keys.VerifierKey.Split('+', 3);
        var typed = Convert.FromBase64String(parts[2]);
        Assert.Equal(0x01, typed[0]);
        var hash = BinaryPrimitives.ReadUInt32BigEndian(System.Security.Cryptography.SHA256.HashData([.. Encoding.UTF8.GetBytes(parts[0]), 0x0a, .. typed]));
        Assert.Equal(hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), parts[1]);
        Assert.Equal(hash, BinaryPrimitives.ReadUInt32BigEndian(raw));

        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, typed.AsSpan(1), KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(text), raw.AsSpan(4)));
        Assert.False(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(text.Replace("42", "43", StringComparison.Ordinal)), raw.AsSpan(4)));
    }

    [Fact]
    public void A_tampered_note_has_an_invalid_signature()
    {
        var tampered = NoteVectors.PeterNote.Replace("cryptography", "cryptographx", StringComparison.Ordinal);
        Assert.Equal(NoteFailure.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(tampered, [Peter])).Failure);

        // x/mod TestOpen: four characters inserted into the signature.
        var longer = NoteVectors.Text + "\n" + NoteVectors.PeterLine[..60] + "ABCD" + NoteVectors.PeterLine[60..];
        var e = Assert.Throws<NoteException>(() => SignedNote.Open(longer, [Peter]));
        Assert.Equal(NoteFailure.InvalidSignature, e.Failure);
        Assert.Contains("PeterNeumann+c74f20a3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_note_without_a_known_key_is_refused_as_unknown()
    {
        Assert.Equal(NoteFailure.UnknownKey, Assert.Throws<NoteException>(() => SignedNote.Open(NoteVectors.PeterNote, [Enoch])).Failure);
        Assert.Equal(NoteFailure.UnknownKey, Assert.Throws<NoteException>(() => SignedNote.Open(NoteVectors.PeterNote, [])).Failure);

        // Same name, other key: not the signer, so unknown rather than invalid.
        var other = NoteVerifier.Parse(NoteKeys.Generate("PeterNeumann").VerifierKey);
        Assert.Equal(NoteFailure.UnknownKey, Assert.Throws<NoteException>(() => SignedNote.Open(NoteVectors.PeterNote, [other])).Failure);
    }

    [Fact]
    public void A_truncated_signature_is_refused()
    {
        // Cut inside the base64: not base64 any more, or too short to verify.
        var cut = NoteVectors.Text + "\n" + NoteVectors.PeterLine[..40] + "\n";
        Assert.Equal(NoteFailure.Malformed, Assert.Throws<NoteException>(() => SignedNote.Open(cut, [Peter])).Failure);
        var shorter = NoteVectors.Text + "\n\u2014 PeterNeumann " + Convert.ToBase64String(Convert.FromBase64String(NoteVectors.PeterSignature)[..60]) + "\n";
        Assert.Equal(NoteFailure.InvalidSignature, Assert.Throws<NoteException>(() => SignedNote.Open(shorter, [Peter])).Failure);
    }

    public static TheoryData<string> MalformedNotes =>
    [
        // x/mod TestOpen's bad messages (the \xff one is below, as bytes).
        NoteVectors.Text,
        NoteVectors.Text + "\n",
        NoteVectors.Text + "\n" + NoteVectors.PeterLine[..^1],
        "\x01" + NoteVectors.Text + "\n" + NoteVectors.PeterLine,
        NoteVectors.Text + "\n\u2014 Bad Name " + NoteVectors.PeterSignature,
        NoteVectors.Text + "\n" + NoteVectors.PeterLine + "Unexpected line.\n",
        NoteVectors.Text + "\n" + string.Concat(Enumerable.Repeat(NoteVectors.PeterLine, 101)),
        NoteVectors.Text + "\n- PeterNeumann " + NoteVectors.PeterSignature + "\n",
        NoteVectors.Text + "\n\u2014 Peter+Neumann " + NoteVectors.PeterSignature + "\n",
        NoteVectors.Text + "\n\u2014 PeterNeumann  " + NoteVectors.PeterSignature + "\n",
        NoteVectors.Text + "\n\u2014 PeterNeumann AAAAAA==\n",
    ];

    [Theory]
    [MemberData(nameof(MalformedNotes))]
    public void A_malformed_note_is_refused_as_malformed(string note) =>
        Assert.Equal(NoteFailure.Malformed, Assert.Throws<NoteException>(() => SignedNote.Open(note, [Peter])).Failure);

    [Fact]
    public void A_note_that_is_not_utf8_is_malformed()
    {
        byte[] note = [0xff, .. Encoding.UTF8.GetBytes(NoteVectors.PeterNote)];
        Assert.Equal(NoteFailure.Malformed, Assert.Throws<NoteException>(() => SignedNote.Open(note, [Peter])).Failure);
    }

    [Fact]
    public void Duplicate_signatures_count_once_and_sixteen_signers_are_accepted()
    {
        var note = SignedNote.Open(NoteVectors.PeterNote + NoteVectors.PeterLine + NoteVectors.EnochLine + NoteVectors.EnochLine, [Peter]);
        Assert.Single(note.Verified);
        Assert.Single(note.Unverified);

        var signers = Enumerable.Range(0, 16).Select(i => NoteSigner.Parse(NoteKeys.Generate($"witness{i}.example").SignerKey)).ToList();
        try
        {
            var many = SignedNote.Open(SignedNote.Sign("checkpoint\n", signers), signers.Select(s => NoteVerifier.Parse(s.VerifierKey)));
            Assert.Equal(16, many.Verified.Count);
        }
        finally
        {
            signers.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a+b")]
    [InlineData("tab\there")]
    [InlineData("no\u00a0break")]
    public void A_bad_key_name_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => NoteKeys.Generate(name));

    [Fact]
    public void Signing_refuses_text_a_note_cannot_carry()
    {
        using var signer = NoteSigner.Parse(NoteVectors.PeterSignerKey);
        Assert.Throws<ArgumentException>(() => SignedNote.Sign("no final newline", signer));
        Assert.Throws<ArgumentException>(() => SignedNote.Sign("a\tb\n", signer));
        Assert.Throws<ArgumentException>(() => SignedNote.Sign("unsigned\n"));
    }
}
