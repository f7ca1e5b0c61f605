using System.Text;
using EcoMonitor.Ingest.Storage;

namespace EcoMonitor.Service.Tests.Storage;

/// <summary>
/// The store request's body is exactly the lines joined by newlines in UTF-8, of the length it
/// declares, whatever the lines' sizes against its buffer: many small lines over several chunks, a
/// line longer than the buffer, multi-byte characters where a chunk ends, none at all.
/// </summary>
public sealed class LineProtocolContentTests
{
    public static TheoryData<string, string[]> Cases()
    {
        var chunk = LineProtocolContent.ChunkBytes;
        var small = Enumerable.Range(0, 5000).Select(i => $"air,site=s{i % 20},device=d{i} pm25={i}.5 {1_700_000_000_000 + i}").ToArray();
        return new TheoryData<string, string[]>
        {
            { "none", [] },
            { "one", ["air,site=s1,device=d1 pm25=12 1000"] },
            { "5,000 small lines over several chunks", small },
            { "a line longer than the buffer between small ones", ["a x=1 1", new string('m', (chunk * 2) + 17), "b x=2 2"] },
            { "a long line first and last", [new string('m', chunk + 1), "b x=2 2", new string('n', chunk * 3)] },
            { "multi-byte characters across a chunk's end", [.. Enumerable.Range(0, 3000).Select(i => $"alert,rule=粉尘超标-{i},site=s1 firing=1i {i}")] },
            { "lines that fill the buffer to its last byte", [.. Enumerable.Range(0, 40).Select(i => new string((char)('a' + (i % 26)), (chunk / 3) - 1))] },
            { "empty lines", ["", "a x=1 1", ""] },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_body_is_the_lines_joined_in_UTF_8_and_of_the_declared_length(string name, string[] lines)
    {
        var expected = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        using var content = new LineProtocolContent(lines);

        Assert.Equal(expected.LongLength, content.Headers.ContentLength);
        using var sink = new MemoryStream();
        await content.CopyToAsync(sink, TestContext.Current.CancellationToken);
        Assert.True(expected.AsSpan().SequenceEqual(sink.ToArray()), $"{name}: the body differs from the joined lines");
        Assert.Equal("text/plain; charset=utf-8", content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task A_line_with_a_lone_surrogate_is_sent_as_the_replacement_character_and_the_length_still_holds()
    {
        string[] lines = ["a x=1 1", "alert,rule=bad\uD800name x=1 1"];
        using var content = new LineProtocolContent(lines);
        using var sink = new MemoryStream();
        await content.CopyToAsync(sink, TestContext.Current.CancellationToken);

        Assert.Equal(sink.Length, content.Headers.ContentLength);
        Assert.Equal("a x=1 1\nalert,rule=bad\uFFFDname x=1 1", Encoding.UTF8.GetString(sink.ToArray()));
    }
}
