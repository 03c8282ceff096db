// The Logto tenant and API resource a block configures, without writing them out.
declare const logtoUrl: string;
declare const audience: string;
declare const options: { logtoUrl: string; audience: string };
