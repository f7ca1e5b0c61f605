using EcoMonitor.Audit.Merkle;
using EcoMonitor.Audit.Notes;

namespace EcoMonitor.Service.Tests.Audit;

/// <summary>tlog-checkpoint bodies: the C2SP example, a tree's checkpoint signed and verified, and refusals.</summary>
public sealed class CheckpointTests
{
    [Fact]
    public void The_published_checkpoint_parses_and_formats_back()
    {
        var checkpoint = Checkpoint.Parse(NoteVectors.C2spCheckpoint);
        Assert.Equal("example.com/behind-the-sofa", checkpoint.Origin);
        Assert.Equal(20852163UL, checkpoint.Size);
        Assert.Equal(Convert.FromBase64String("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="), checkpoint.RootHash);
        Assert.Empty(checkpoint.Extensions);
        Assert.Equal(NoteVectors.C2spCheckpoint, checkpoint.Format());
    }

    [Fact]
    public void A_tree_checkpoint_is_signed_opened_and_its_proofs_verify()
    {
        var (tree, store) = TestTrees.Of(MerkleVectors.Leaves);
        var keys = NoteKeys.Generate("eco.example/audit");
        using var signer = NoteSigner.Parse(keys.SignerKey);
        var checkpoint = new Checkpoint("eco.example/audit", tree.Size, tree.Root(), ["extension line"]);
        var note = checkpoint.Sign(signer);
        Assert.StartsWith("eco.example/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nextension line\n\n\u2014 eco.example/audit ", note, StringComparison.Ordinal);

        var opened = Checkpoint.Open(note, NoteVerifier.Parse(keys.VerifierKey));
        Assert.Equal(checkpoint, opened);
        var proof = new MerkleProver(store).Inclusion(5, opened.Size);
        Assert.True(MerkleVerifier.VerifyInclusion(5, opened.Size, MerkleVectors.Nodes[0][5], proof.Path, [.. opened.RootHash]).IsValid);
    }

    [Fact]
    public void A_checkpoint_note_tampered_or_by_another_key_is_refused()
    {
        var keys = NoteKeys.Generate("eco.example/audit");
        using var signer = NoteSigner.Parse(keys.SignerKey);
        var log = NoteVerifier.Parse(keys.VerifierKey);
        var note = new Checkpoint("eco.example/audit", 8, MerkleVectors.Roots[8]).Sign(signer);

        Assert.Equal(NoteFailure.InvalidSignature, Assert.Throws<NoteException>(() => Checkpoint.Open(note.Replace("\n8\n", "\n9\n", StringComparison.Ordinal), log)).Failure);
        var other = NoteVerifier.Parse(NoteKeys.Generate("eco.example/audit").VerifierKey);
        Assert.Equal(NoteFailure.UnknownKey, Assert.Throws<NoteException>(() => Checkpoint.Open(note, other)).Failure);

        // A signed note that is not a checkpoint, or of another origin.
        Assert.Equal(NoteFailure.Malformed, Assert.Throws<NoteException>(() => Checkpoint.Open(SignedNote.Sign("eco.example/audit\nlots\n", signer), log)).Failure);
        Assert.Equal(NoteFailure.Malformed, Assert.Throws<NoteException>(() => Checkpoint.Open(SignedNote.Sign(new Checkpoint("elsewhere", 0, MerkleVectors.Roots[0]).Format(), signer), log)).Failure);
    }

    [Theory]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")]
    [InlineData("origin\n8\n")]
    [InlineData("\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n-1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n")]
    [InlineData("origin\n8\nZG9uJ3QgY2FyZQ==\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n")]
    public void A_malformed_checkpoint_is_refused(string text) =>
        Assert.Throws<FormatException>(() => Checkpoint.Parse(text));

    [Fact]
    public void Sizes_from_zero_to_the_largest_round_trip()
    {
        foreach (var size in new[] { 0UL, 1UL, ulong.MaxValue })
        {
            var checkpoint = new Checkpoint("o", size, MerkleVectors.Roots[0]);
            Assert.Equal(checkpoint, Checkpoint.Parse(checkpoint.Format()));
        }
    }

    [Fact]
    public void A_checkpoint_is_signed_only_by_the_key_named_after_its_origin()
    {
        using var signer = NoteSigner.Parse(NoteVectors.PeterSignerKey);
        Assert.Throws<ArgumentException>(() => new Checkpoint("eco.example/audit", 1, MerkleVectors.Roots[1]).Sign(signer));
        Assert.Throws<ArgumentException>(() => new Checkpoint("o", 1, MerkleVectors.Roots[1][..31]));
        Assert.Throws<ArgumentException>(() => new Checkpoint("o", 1, MerkleVectors.Roots[1], [""]));
    }
}
