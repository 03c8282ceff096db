// For a block that verifies "a request" or "a token" it got from elsewhere.
declare const request: Request;
declare const token: string;
