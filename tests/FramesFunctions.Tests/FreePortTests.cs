namespace ImageFrames.Tests;

/// <summary>
/// The ports the tests give their servers: a port the kernel may also hand an outgoing connection (its ephemeral
/// range) can be taken between the probe and the server's bind — CI once lost all browser tests to that.
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void PortsLieBelowTheEphemeralRangeAndAreNeverHandedOutTwice()
    {
        var (ephemeralLow, _) = AzuriteFixture.EphemeralRange();
        var ports = Enumerable.Range(0, 500).Select(_ => AzuriteFixture.FreePort()).ToList();
        Assert.All(ports, p => Assert.InRange(p, 1024, ephemeralLow - 1));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
