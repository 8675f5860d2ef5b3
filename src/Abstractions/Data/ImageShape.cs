namespace Forge.Abstractions.Data;

/// <summary>
/// The shape of an image dataset's examples. Inputs stay flat, <c>[batch, Channels·Height·Width]</c> floats in
/// channel-major order (<c>view(batch, Channels, Height, Width)</c> recovers the images), so a model for feature
/// vectors trains on them as they are and an image model reshapes them. Added in 1.2.
/// </summary>
/// <param name="Channels">Colour channels (1 for grey).</param>
/// <param name="Height">Rows of pixels.</param>
/// <param name="Width">Columns of pixels.</param>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Values per image: <c>Channels·Height·Width</c>.</summary>
    public int Features => Channels * Height * Width;
}
