using Forge.Host.Cli;

return await ForgeCli.RunAsync(args);
