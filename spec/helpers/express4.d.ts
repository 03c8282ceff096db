// express4 is Express 4 installed under an alias; its API types are Express's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
