using System.Buffers.Binary;

namespace ImageFrames.Parse.Dlis;

/// <summary>
/// How one FRAME's data records are laid out (RP66 v1 §5.6): the frame's name (OBNAME) and frame number (UVARI),
/// then each channel's samples in the frame's channel order, each in its representation code. With every
/// channel of a fixed size (the usual case) each channel's bytes are at a fixed place in every frame.
/// </summary>
public sealed class FrameLayout
{
    private readonly int[] _offsets; // within the samples; -1 for all when a channel varies in size

    public FrameLayout(DlisFrame frame)
    {
        Frame = frame;
        _offsets = new int[frame.Channels.Count];
        var offset = 0;
        for (var i = 0; i < frame.Channels.Count; i++)
        {
            var size = Representation.FixedSize(frame.Channels[i].Code);
            if (size == 0) { Array.Fill(_offsets, -1); offset = -1; break; }
            _offsets[i] = offset;
            offset = checked(offset + size * frame.Channels[i].Samples);
        }
        FrameBytes = offset;
    }

    public DlisFrame Frame { get; }

    /// <summary>Bytes of samples in one frame, or -1 when a channel's values vary in size.</summary>
    public int FrameBytes { get; }

    /// <summary>Reads channel <paramref name="channel"/>'s samples of one frame into <paramref name="into"/>
    /// (its <see cref="DlisChannel.Samples"/> values). <paramref name="samples"/> is the frame's data after its
    /// name and number; <paramref name="offset"/> and <paramref name="record"/> are for errors.</summary>
    public void Read(int channel, ReadOnlySpan<byte> samples, Span<double> into, long offset, int record)
    {
        var ch = Frame.Channels[channel];
        if (FrameBytes >= 0)
        {
            if (samples.Length < FrameBytes)
                throw new DlisFormatException(offset, $"a frame of {Frame.Name.Id} needs {FrameBytes} bytes of samples, the record has {samples.Length}", record);
            var size = Representation.FixedSize(ch.Code);
            var bytes = samples.Slice(_offsets[channel], size * ch.Samples);
            ReadFixed(ch.Code, bytes, into[..ch.Samples]);
            return;
        }
        // Some channel varies in size (UVARI, ORIGIN…): walk the channels before it.
        var pos = 0;
        try
        {
            for (var i = 0; i < channel; i++)
                for (var s = 0; s < Frame.Channels[i].Samples; s++) Representation.ReadNumber(Frame.Channels[i].Code, samples, ref pos, 0);
            for (var s = 0; s < ch.Samples; s++) into[s] = Representation.ReadNumber(ch.Code, samples, ref pos, 0);
        }
        catch (DlisFormatException e)
        {
            throw new DlisFormatException(offset, $"a frame of {Frame.Name.Id}: {e.Detail}", record);
        }
    }

    /// <summary>Fixed-size samples, the common codes unrolled.</summary>
    private static void ReadFixed(RepresentationCode code, ReadOnlySpan<byte> bytes, Span<double> into)
    {
        switch (code)
        {
            case RepresentationCode.FSINGL:
                for (var i = 0; i < into.Length; i++) into[i] = BinaryPrimitives.ReadSingleBigEndian(bytes[(i * 4)..]);
                break;
            case RepresentationCode.FDOUBL:
                for (var i = 0; i < into.Length; i++) into[i] = BinaryPrimitives.ReadDoubleBigEndian(bytes[(i * 8)..]);
                break;
            case RepresentationCode.USHORT:
                for (var i = 0; i < into.Length; i++) into[i] = bytes[i];
                break;
            case RepresentationCode.UNORM:
                for (var i = 0; i < into.Length; i++) into[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes[(i * 2)..]);
                break;
            default:
                var size = Representation.FixedSize(code);
                for (var i = 0; i < into.Length; i++) into[i] = Representation.Number(code, bytes.Slice(i * size, size));
                break;
        }
    }
}
