// the same route behind the middleware, for tokens of the Logto-shaped issuer
export { GET } from '../../edge/whoami/route';
