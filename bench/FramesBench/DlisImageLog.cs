using System.Buffers.Binary;
using ImageFrames.Parse.Dlis;

namespace ImageFrames.Bench;

/// <summary>
/// A large FMI-like DLIS file for the bench: one logical file, a frame indexed by BOREHOLE-DEPTH in m (step
/// 0.0025) holding DEPTH (FDOUBL), FMI_STAT [192] (FSINGL, mmho) and GR (FSINGL); dipping beds as sinusoids
/// across the 192 buttons with speckle, and −999.25 (absent) on one pad every 400 frames. Visible records of
/// up to 8,192 bytes, packed with frames as a logging contractor's writer packs them.
/// </summary>
public static class DlisImageLog
{
    public const int Buttons = 192;

    public static void Write(string path, int frames, int seed = 20261130)
    {
        var random = new Random(seed);
        var file = new DlisBytes { Pack = true, MaxVisibleRecord = 8192 }
            .Eflr(0, DlisBytes.FileHeader("BENCH"))
            .Eflr(1, DlisBytes.Origin("BENCH-WELL"))
            .Eflr(3, DlisBytes.Channels(("DEPTH", RepresentationCode.FDOUBL, "m", [1]), ("FMI_STAT", RepresentationCode.FSINGL, "mmho", [Buttons]),
                ("GR", RepresentationCode.FSINGL, "gAPI", [1])))
            .Eflr(4, DlisBytes.Frame("FMI-FRAME", "BOREHOLE-DEPTH", "DEPTH", "FMI_STAT", "GR"));
        var name = DlisBytes.ObjectName("FMI-FRAME");
        var (sin, cos) = (new double[Buttons], new double[Buttons]);
        for (var b = 0; b < Buttons; b++) (sin[b], cos[b]) = Math.SinCos(2 * Math.PI * b / Buttons);
        for (var i = 0; i < frames; i++)
        {
            var number = DlisBytes.Uvari(i + 1);
            var body = new byte[name.Length + number.Length + 8 + Buttons * 4 + 4];
            name.CopyTo(body, 0);
            number.CopyTo(body, name.Length);
            var at = name.Length + number.Length;
            BinaryPrimitives.WriteDoubleBigEndian(body.AsSpan(at), 2500 + i * 0.0025);
            at += 8;
            var absentPad = i % 400 < 12; // one of the six pads reads nothing for 12 frames
            for (var b = 0; b < Buttons; b++)
            {
                var bed = Math.Sin((i + 40 * sin[b] + 15 * cos[b]) / 35.0);
                var value = absentPad && b < Buttons / 6 ? -999.25 : 20 + 12 * bed + random.NextDouble() * 3;
                BinaryPrimitives.WriteSingleBigEndian(body.AsSpan(at), (float)value);
                at += 4;
            }
            BinaryPrimitives.WriteSingleBigEndian(body.AsSpan(at), (float)(60 + 30 * Math.Sin(i / 500.0)));
            file.Iflr(0, body);
        }
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.WriteTo(output);
    }
}
