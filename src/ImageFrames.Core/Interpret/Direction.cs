namespace ImageFrames.Interpret;

/// <summary>
/// A vector in the earth frame the interpretation works in: x north, y east, z down (depth grows downward), in
/// doubles — the geometry has to recover angles to a tenth of a degree.
/// </summary>
public readonly record struct Direction(double X, double Y, double Z)
{
    public double Dot(Direction other) => X * other.X + Y * other.Y + Z * other.Z;

    public Direction Cross(Direction o) => new(Y * o.Z - Z * o.Y, Z * o.X - X * o.Z, X * o.Y - Y * o.X);

    public double Length() => Math.Sqrt(Dot(this));

    public Direction Unit()
    {
        var length = Length();
        if (length < 1e-12) throw new ArgumentException("a zero vector has no direction");
        return new(X / length, Y / length, Z / length);
    }

    public static Direction operator *(double k, Direction v) => new(k * v.X, k * v.Y, k * v.Z);
    public static Direction operator +(Direction a, Direction b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Direction operator -(Direction a, Direction b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    public static readonly Direction North = new(1, 0, 0), East = new(0, 1, 0), Down = new(0, 0, 1);
}
