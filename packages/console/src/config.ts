/** What the console needs to know about its deployment: served as /console/config.json next to it. */
export interface ConsoleConfig {
  cognito: {
    region: string;
    userPoolId: string;
    clientId: string;
    /** Set locally (the Cognito emulator); absent in AWS, where the SDK's regional endpoint is used. */
    endpoint?: string;
  };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
