namespace EcoMonitor.Core.Alerting.Evaluation;

/// <summary>
/// The persisted state of one machine as two flat arrays: the machine writes its fields in a
/// fixed order and reads them back in the same order. Flat numbers keep the state file small and
/// free of a type per machine; the rule fingerprint beside it guarantees the same machine reads them.
/// </summary>
internal sealed class SeriesStateWriter
{
    public List<long> Longs { get; } = [];

    public List<double> Doubles { get; } = [];

    public void Clear()
    {
        Longs.Clear();
        Doubles.Clear();
    }

    public void Write(long value) => Longs.Add(value);

    public void Write(double value) => Doubles.Add(value);

    public void Write(bool value) => Longs.Add(value ? 1 : 0);

    public void Write(ReadOnlySpan<long> values)
    {
        Longs.Add(values.Length);
        Longs.AddRange(values);
    }

    public void Write(ReadOnlySpan<double> values)
    {
        Longs.Add(values.Length);
        Doubles.AddRange(values);
    }
}

/// <summary>Reads what <see cref="SeriesStateWriter"/> wrote; a short or inconsistent state throws <see cref="InvalidDataException"/>.</summary>
internal sealed class SeriesStateReader(IReadOnlyList<long> longs, IReadOnlyList<double> doubles)
{
    private int _long;
    private int _double;

    public long ReadLong() => _long < longs.Count ? longs[_long++] : throw Short();

    public int ReadInt() => checked((int)ReadLong());

    public bool ReadBool() => ReadLong() != 0;

    public double ReadDouble() => _double < doubles.Count ? doubles[_double++] : throw Short();

    public long[] ReadLongs(int expected = -1)
    {
        var values = new long[Count(expected)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ReadLong();
        }

        return values;
    }

    public double[] ReadDoubles(int expected = -1)
    {
        var values = new double[Count(expected)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ReadDouble();
        }

        return values;
    }

    /// <summary>Everything written was read: a state with more fields than the machine has is not its state.</summary>
    public void End()
    {
        if (_long != longs.Count || _double != doubles.Count)
        {
            throw new InvalidDataException("alert state has more fields than its machine");
        }
    }

    private int Count(int expected)
    {
        var count = ReadInt();
        if (count < 0 || (expected >= 0 && count != expected))
        {
            throw new InvalidDataException($"alert state holds {count} values where {expected} were expected");
        }

        return count;
    }

    private static InvalidDataException Short() => new("alert state is shorter than its machine's");
}
