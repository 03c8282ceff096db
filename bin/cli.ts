// placeholder replaced by the CLI implementation
console.log('logto-authkit');
