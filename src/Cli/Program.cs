using Forge.Cli;
using Forge.Core.Native;

// Before the first tensor op: makes TorchSharp's native wrapper loadable on machines whose libstdc++ is older than
// the one it was built against (Debian 12, Ubuntu 22.04); does nothing elsewhere. See docs/guide/building.md.
TorchNativeSetup.EnsureLoadable(AppContext.BaseDirectory);
return await ForgeCli.RunAsync(args);
