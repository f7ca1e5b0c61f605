namespace EcoMonitor.Service.Tests.Audit;

/// <summary>
/// Published signed-note vectors. Keys, text and signatures of golang/mod sumdb/note/note_test.go
/// (TestNewVerifier, TestNewSigner, TestSign, TestOpen) at commit
/// fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db; the example of C2SP/C2SP signed-note.md ("Example")
/// and the checkpoint of tlog-checkpoint.md at commit 5ba5ee830903e91240fc6f9f3a7a9293d49e69c9.
/// </summary>
internal static class NoteVectors
{
    public const string PeterSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    public const string PeterVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    public const string EnochVerifierKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

    public const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    public const string PeterSignature = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
    public const string PeterLine = "\u2014 PeterNeumann " + PeterSignature + "\n";
    public const string EnochSignature = "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=";
    public const string EnochLine = "\u2014 EnochRoot " + EnochSignature + "\n";

    /// <summary>TestNewVerifier: a wrong-length key and an unknown algorithm, each with its key hash adjusted.</summary>
    public const string WrongLengthKey = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    public const string UnknownAlgorithmKey = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    public const string C2spVerifierKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    public const string C2spNote = "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    public const string C2spCheckpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    public static string PeterNote => Text + "\n" + PeterLine;
}
